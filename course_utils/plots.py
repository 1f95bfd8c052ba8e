"""Plotting helpers for the notebooks (matplotlib). Each returns the Figure it draws."""
import matplotlib.pyplot as plt
from matplotlib.colors import ListedColormap
import numpy as np


def show_images(images, labels, n=12, title=None):
    """Show the first ``n`` images (m, h, w) with their integer labels (m,)."""
    n = min(n, len(images))
    fig, axes = plt.subplots(1, n, figsize=(1.1 * n, 1.5))
    for ax, image, label in zip(np.atleast_1d(axes), images[:n], labels[:n]):
        ax.imshow(image, cmap="gray_r")
        ax.set_title(str(label))
        ax.axis("off")
    if title:
        fig.suptitle(title)
    return fig


def decade_histogram(samples_by_label, low, high, xlabel="value"):
    """Bar chart of how many samples fall in each decade [10^k, 10^(k+1)) between low and high.

    Inputs:
        samples_by_label: {label: 1-D array of positive samples}
        low, high: positive ends of the range; their log10 are the decade edges
    """
    edges = 10.0 ** np.arange(np.floor(np.log10(low)), np.ceil(np.log10(high)) + 1)
    fig, ax = plt.subplots(figsize=(7, 3.2))
    width = 0.8 / len(samples_by_label)
    centres = np.arange(len(edges) - 1)
    for i, (label, samples) in enumerate(samples_by_label.items()):
        counts, _ = np.histogram(samples, bins=edges)
        ax.bar(centres + (i - (len(samples_by_label) - 1) / 2) * width, counts / len(samples), width, label=label)
    ax.set_xticks(centres, [f"[{a:g}, {b:g})" for a, b in zip(edges[:-1], edges[1:])])
    ax.set_xlabel(xlabel)
    ax.set_ylabel("fraction of samples")
    ax.legend()
    fig.tight_layout()
    return fig


def search_layouts(layouts, x_name, y_name, x_log=False, y_log=False):
    """Side-by-side scatter plots of search layouts, titled with distinct values per axis.

    Inputs:
        layouts: {title: list of config dicts}, each config holding keys x_name and y_name
    """
    fig, axes = plt.subplots(1, len(layouts), figsize=(4.2 * len(layouts), 3.6), squeeze=False)
    for ax, (title, configs) in zip(axes[0], layouts.items()):
        xs = np.array([c[x_name] for c in configs])
        ys = np.array([c[y_name] for c in configs])
        ax.scatter(xs, ys, s=18)
        ax.set_title(f"{title}\n{len(np.unique(xs))} distinct {x_name}, {len(np.unique(ys))} distinct {y_name}")
        ax.set_xlabel(x_name)
        ax.set_ylabel(y_name)
        if x_log:
            ax.set_xscale("log")
        if y_log:
            ax.set_yscale("log")
    fig.tight_layout()
    return fig


def coarse_to_fine_plot(history, n_coarse, x_name, y_name, x_log=False, y_log=False):
    """Scatter coarse and fine trials of a coarse-to-fine search, coloured by stage, best starred.

    Inputs:
        history: list of (config dict, score) in the order tried, the first n_coarse coarse
    """
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    stages = {"coarse": history[:n_coarse], "fine": history[n_coarse:]}
    for (stage, trials), marker in zip(stages.items(), ("o", ".")):
        ax.scatter([c[x_name] for c, _ in trials], [c[y_name] for c, _ in trials],
                   marker=marker, s=30 if marker == "o" else 25, alpha=0.7, label=f"{stage} ({len(trials)})")
    best, _ = max(history, key=lambda trial: trial[1])
    ax.scatter([best[x_name]], [best[y_name]], marker="*", s=250, c="k", label="best")
    ax.set_xlabel(x_name)
    ax.set_ylabel(y_name)
    if x_log:
        ax.set_xscale("log")
    if y_log:
        ax.set_yscale("log")
    ax.legend()
    fig.tight_layout()
    return fig


def score_scatter(panels, scores, ylabel="validation accuracy"):
    """One scatter panel per hyperparameter: panels = {x label: values (n,)}, scores (n,)."""
    fig, axes = plt.subplots(1, len(panels), figsize=(4.6 * len(panels), 3.6), squeeze=False)
    for ax, (xlabel, values) in zip(axes[0], panels.items()):
        ax.scatter(values, scores, s=16)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
    fig.tight_layout()
    return fig


def decision_regions(predict, X, labels, title=None, resolution=300):
    """Colour the plane by the class ``predict`` gives, and scatter the points on top.

    Inputs:
        predict: callable taking points (2, k) and returning class indices (k,)
        X: points (2, m); labels: their classes (m,)
    """
    pad = 1.0
    xs = np.linspace(X[0].min() - pad, X[0].max() + pad, resolution)
    ys = np.linspace(X[1].min() - pad, X[1].max() + pad, resolution)
    gx, gy = np.meshgrid(xs, ys)
    regions = np.asarray(predict(np.vstack([gx.ravel(), gy.ravel()]))).reshape(gx.shape)
    n_classes = int(max(regions.max(), np.max(labels))) + 1
    palette = ListedColormap(plt.cm.tab10(np.arange(n_classes)))
    fig, ax = plt.subplots(figsize=(5.5, 4.6))
    ax.contourf(gx, gy, regions, levels=np.arange(n_classes + 1) - 0.5, cmap=palette, alpha=0.25)
    ax.scatter(X[0], X[1], c=palette(np.asarray(labels)), s=14, edgecolors="k", linewidths=0.3)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def trajectories(paths, minimum=None, ylabel="w"):
    """Plot each optimiser's path {name: values per step} against the step, with the minimum dashed."""
    fig, ax = plt.subplots(figsize=(6, 3.2))
    for name, values in paths.items():
        ax.plot(np.arange(len(values)), values, label=name)
    if minimum is not None:
        ax.axhline(minimum, color="grey", linestyle="--", linewidth=1, label="minimum")
    ax.set_xlabel("step")
    ax.set_ylabel(ylabel)
    ax.legend()
    return fig


def training_curves(costs, train_acc, test_acc):
    """Cost per epoch beside train and test accuracy per epoch (lists of equal length)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.2))
    epochs = np.arange(1, len(costs) + 1)
    left.plot(epochs, costs)
    left.set_xlabel("epoch")
    left.set_ylabel("cost (mean loss per example)")
    left.set_yscale("log")
    right.plot(epochs, train_acc, label="train")
    right.plot(epochs, test_acc, label="test")
    right.set_xlabel("epoch")
    right.set_ylabel("accuracy")
    right.set_ylim(0, 1.02)
    right.legend()
    return fig
