"""PlantPredict runtime."""
