"""A patient's rights over their own data: download everything, delete the account."""
