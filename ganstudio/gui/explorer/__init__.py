"""The Explorer tab: its widgets, the render worker and the task threads behind them.

Nothing here imports ``ganstudio.gui.training``: the tabs meet only through core objects.
"""
