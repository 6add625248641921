"""The Training tab: its form, live plots and views, and the worker that trains in a thread.

Nothing here imports ``ganstudio.gui.explorer``: the tabs meet only through core objects.
"""
