"""Choosing a model and filling its form: the model panel."""
