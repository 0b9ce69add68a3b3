"""Small diagrams in the shapes other modelers write them (written for these tests, by hand)."""
