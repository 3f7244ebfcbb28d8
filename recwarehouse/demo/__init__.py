"""The demo platform: the synthetic generator, its catalogue, and the corruption injector for tests."""
