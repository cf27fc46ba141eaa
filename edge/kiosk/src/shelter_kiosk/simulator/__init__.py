"""Virtual ID cards and a private pcscd for demos and tests without a physical card."""
