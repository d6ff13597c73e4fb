"""An example shop API with one of each background-task mistake that bglint finds."""
