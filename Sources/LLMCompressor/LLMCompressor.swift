/// One import for Swift code that compresses checkpoints: the checkpoint layer, recipes and modifiers.
@_exported import Checkpoint
@_exported import Modifiers
@_exported import Recipes
