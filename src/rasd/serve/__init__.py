"""``rasd serve``: the analysts' API and page (``rasd.serve.api.create_app``)."""
