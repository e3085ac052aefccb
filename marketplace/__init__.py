"""Points mall and redemption kiosks: rewards, stock, redemptions.

Spends points only through ``points`` services.
"""
