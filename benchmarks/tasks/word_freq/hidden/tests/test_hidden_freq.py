from wordy.freq import most_common, word_counts


def test_shouting_counts_the_same():
    assert word_counts("STOP stop Stop") == {"stop": 3}


def test_most_common_ignores_case():
    assert most_common("Go go GO now") == "go"
