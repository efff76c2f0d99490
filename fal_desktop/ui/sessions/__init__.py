"""Sessions: the sessions list and gallery (thumbnails), the controller behind them, and the Vary and Compare models dialogs."""
