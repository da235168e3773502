print("compress")
