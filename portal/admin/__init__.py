"""The ``/admin`` blueprint: what admins run the help center with."""
