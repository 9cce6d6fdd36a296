"""Every model of this domain, imported so the metadata knows them."""
