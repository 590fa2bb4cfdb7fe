"""The review folder: its manifest and searches (``folder``) and files written atomically
(``atomic``). Every stage reads it; it imports no stage."""
