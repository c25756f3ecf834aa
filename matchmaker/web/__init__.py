"""Blueprints, one package per actor."""
