"""SMS verification codes: sent to a phone, typed back to prove it is the typer's."""
