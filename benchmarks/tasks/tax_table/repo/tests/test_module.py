from taxes import rates


def test_table_ships_with_the_package():
    assert rates.TABLE.is_file()
