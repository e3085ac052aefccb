"""Bringing a street's spreadsheets in: households, residents, volunteers, care targets."""
