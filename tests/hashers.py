"""A cheap Argon2 for tests: the same algorithm and hash format as production, with tiny cost parameters, so that
creating hundreds of users does not take minutes. Production keeps Django's Argon2PasswordHasher defaults."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 64
    parallelism = 1
