from wordy.freq import word_counts


def test_punctuation_is_stripped():
    assert word_counts("hi, hi!") == {"hi": 2}


def test_counts_ignore_case():
    assert word_counts("The cat and the hat") == {"the": 2, "cat": 1, "and": 1, "hat": 1}
