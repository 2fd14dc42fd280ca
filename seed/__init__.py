"""The demo consortium (two cities, 12 enterprises, 6 schools) and its loader."""
