from textstats.stats import word_count


def test_word_count():
    assert word_count("one two  three") == 3


def test_lone_punctuation_is_not_a_word():
    assert word_count("wait - what") == 2
