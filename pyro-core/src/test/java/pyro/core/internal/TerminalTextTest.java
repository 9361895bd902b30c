package pyro.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TerminalTextTest {
    @Test
    void coloursTitlesAndCursorSequencesGo() {
        assertEquals("red plain\n", TerminalText.plain("\u001b[1;31mred\u001b[0m plain\r\n"));
        assertEquals("prompt$ ", TerminalText.plain("\u001b]0;user@pyro: ~\u0007prompt$ "));
        assertEquals("x", TerminalText.plain("\u001b[?2004hx\u001b[?2004l"));
        assertEquals("ab", TerminalText.plain("a\u001b(Bb\u001b="));
    }

    @Test
    void aProgressBarRedrawnWithCarriageReturnsLeavesItsLastState() {
        assertEquals("100% done\n", TerminalText.plain(" 10%\r 50%\r100% done\n"));
        assertEquals("abX\n", TerminalText.plain("abc\bX\n"));
        assertEquals("line1\nline2", TerminalText.plain("line1\r\nline2"));
    }

    @Test
    void otherControlCharactersAreDroppedAndTextIsKept() {
        assertEquals("bell\tok ünï", TerminalText.plain("be\u0007ll\tok ünï\u0000"));
        assertEquals("", TerminalText.plain(""));
        assertEquals("half", TerminalText.plain("half\u001b[")); // a sequence cut at the end of a read
    }
}
