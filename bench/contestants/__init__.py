"""The contestants, one module per scenario; `plan.all_contestants()` lists them in the order
they run inside each round."""
