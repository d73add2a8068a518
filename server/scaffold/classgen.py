FEATURES = ()

def scaffold_class(*a, **k):
    raise NotImplementedError
