"""Migration scripts, named NNNN_subject.py."""
