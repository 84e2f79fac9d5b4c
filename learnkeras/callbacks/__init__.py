"""Callbacks: code that runs at the lifecycle stages of `fit`, `evaluate` and `predict` (`keras.callbacks`).

The trainer calls a `CallbackList`, which calls each callback in order and emits
one `callback` event per call (payload: `method`, `logs`, `callbacks`, and
`epoch` or `batch` when the hook has one).
"""

from learnkeras.callbacks.callback import Callback
from learnkeras.callbacks.callback_list import CallbackList
from learnkeras.callbacks.csv_logger import CSVLogger
from learnkeras.callbacks.early_stopping import EarlyStopping
from learnkeras.callbacks.history import History
from learnkeras.callbacks.lambda_callback import LambdaCallback
from learnkeras.callbacks.learning_rate_scheduler import LearningRateScheduler
from learnkeras.callbacks.model_checkpoint import ModelCheckpoint
from learnkeras.callbacks.monitor_callback import MonitorCallback
from learnkeras.callbacks.progbar_logger import ProgbarLogger
from learnkeras.callbacks.reduce_lr_on_plateau import ReduceLROnPlateau
from learnkeras.callbacks.terminate_on_nan import TerminateOnNaN

__all__ = [
    "CSVLogger",
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "MonitorCallback",
    "ProgbarLogger",
    "ReduceLROnPlateau",
    "TerminateOnNaN",
]
