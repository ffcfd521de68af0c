"""Suggestions: engines that propose spans, words and classes to annotators, trained on
the project's own final annotations or matched from its dictionary. Pure modules
(``lexicon``, ``crf``) hold the algorithms; the services train and suggest in jobs."""
