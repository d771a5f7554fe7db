"""Who may see and change what — every rule defined once.

- :mod:`.principal`: who is asking (role and scope);
- :mod:`.permissions`: what each role may do (the only place roles are named
  in a rule);
- :mod:`.scopes`: which rows a principal may see, as SQL conditions, one per
  kind of record — applied by the read layer (:mod:`api.reads`) and by the
  services when they look up what they are asked to change;
- :mod:`.masking`: personal data and everything derived from it, hidden from
  principals who may not see it;
- :mod:`.authentication`: bearer tokens → principals, as a Starlette
  authentication backend with a limit on failed attempts.
"""
