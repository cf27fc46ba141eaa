"""MongoDB repositories, Argon2id hashing, signing keys, the clock."""
