from kzkb.text.fold import fold, fold_word, words  # noqa: F401
