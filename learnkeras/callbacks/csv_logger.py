"""`CSVLogger`: append one CSV row per epoch (the epoch and its logs) to a file."""

from __future__ import annotations

import collections.abc
import csv
import os

import numpy as np

from learnkeras.callbacks.callback import Callback

__all__ = ["CSVLogger"]


def _handle_value(value):
    """Strings and numbers as they are; a sequence as a quoted `"[a, b]"` (Keras' format)."""
    if isinstance(value, str):
        return value
    if isinstance(value, collections.abc.Iterable) and not (isinstance(value, np.ndarray) and value.ndim == 0):
        return f'"[{", ".join(map(str, value))}]"'
    return value


class CSVLogger(Callback):
    """Stream epoch results to a CSV file: a header `epoch,<sorted log keys>`, then one row per epoch.

    As in Keras, the columns are fixed by the first epoch; when it has no `val_` key,
    `val_` columns are added anyway (filled with `NA`), so a later validation has a place.
    Rows end with `\\r\\n` (the csv module's "excel" dialect, as Keras).

    Args:
        filename: the CSV file, e.g. `"run/log.csv"`.
        separator: the field separator.
        append: True appends to an existing file (no second header); False overwrites it.
    """

    def __init__(self, filename, separator: str = ",", append: bool = False):
        super().__init__()
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer = None
        self.keys = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None):
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename) as f:
                    self.append_header = not bool(len(f.readline()))
            mode = "a"
        else:
            mode = "w"
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = open(self.filename, mode, newline="")  # newline="": the csv module writes \r\n itself
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.csv_file is None or self.csv_file.closed:
            raise RuntimeError(
                f"CSVLogger({self.filename!r}): on_epoch_end was called before on_train_begin opened the file. "
                "Pass the callback to `fit`, or call `on_train_begin()` first in a custom loop."
            )
        if self.keys is None:
            self.keys = sorted(logs.keys())
            if self.keys and not any(key.startswith("val_") for key in self.keys):
                self.keys.extend(f"val_{key}" for key in list(self.keys))
        if self.writer is None:
            separator = self.sep

            class Dialect(csv.excel):
                delimiter = separator

            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys, dialect=Dialect)
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((key, _handle_value(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None
