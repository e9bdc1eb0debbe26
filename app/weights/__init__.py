"""Stored weight tensors: a layer pair's file and SVD, a unit's row and column, and their JSON routes."""
