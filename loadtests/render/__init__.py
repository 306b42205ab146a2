"""Console, Markdown and HTML views of one analysed `Results`; `text` holds the words they share."""
