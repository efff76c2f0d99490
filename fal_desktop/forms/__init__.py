"""Forms built from an endpoint's input schema: pure specs (``spec``) and Qt widgets (``form``)."""
