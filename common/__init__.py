"""The bottom layer: the domain error base and small helpers every other app may use."""
