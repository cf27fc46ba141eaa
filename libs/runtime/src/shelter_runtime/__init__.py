"""Runtime pieces every service wires in its bootstrap."""
