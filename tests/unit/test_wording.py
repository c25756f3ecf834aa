from matchmaker.wording import clause, plural


def test_plural_counts_and_words():
    assert [plural(n, "need") for n in (0, 1, 2, 1250)] == ["0 needs", "1 need", "2 needs", "1,250 needs"]
    assert plural(1, "priority", "priorities") == "1 priority" and plural(3, "priority", "priorities") == "3 priorities"
    assert (plural(1, "need", number=False), plural(5, "need", number=False)) == ("need", "needs")


def test_clause_fits_someone_elses_sentence_into_ours():
    assert "Because " + clause("The group closed the need.") + "." == "Because the group closed the need."
    assert clause("  Supplier stood down.. ") == "supplier stood down"
    assert clause("NHS trust took it on") == "NHS trust took it on" and clause("I asked for it") == "I asked for it"
    assert clause("") == "" and clause(None) == ""
