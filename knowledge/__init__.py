"""The curated knowledge base on career advancement and promotion (filled in by part 2 of 5)."""
