"""The knowledge base on career advancement and promotion: curated entries and tips with their
sources, retrieval for questions (`ask`), and the advisor's verdicts (`judge`)."""
