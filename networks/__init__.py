"""Peer learning networks: communities of practice with forums, coordinators, events and a knowledge pipeline."""
