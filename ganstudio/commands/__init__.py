"""The command line's model commands (sample, project, stylemix) and what they share: ranges
of seeds and layers written as NVIDIA's scripts take them, progress bars on stderr, opening a
model by path, name or URL, and checking a class label. `ganstudio.cli` wires them in."""
