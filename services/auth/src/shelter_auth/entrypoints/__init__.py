"""HTTP routes and the create-admin command."""
