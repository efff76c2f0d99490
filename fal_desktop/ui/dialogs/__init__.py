"""Dialogs: the API key dialog and the delete/save confirmations."""
