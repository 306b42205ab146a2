"""Every study's views — Markdown, HTML, the terminal — written from its results model: a module per
study, one page skeleton (`page`), one table writer per format (`table`); `text` holds the words the
benchmark's views share."""
