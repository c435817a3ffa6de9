package io.djinn.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.dependencies.SlicesRuleDefinition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The code's layout is what README's architecture diagram says: read from the compiled classes (every reference,
 * not only imports: same-package and fully qualified names count too), no package depends on a package above it or
 * beside it in the diagram, every package of the server is in the diagram, and no two packages depend on each other
 * through any path. The diagram is parsed from README itself, so the picture and the build cannot drift apart.
 */
class ArchitectureTest {

    private static final String ROOT = "io.djinn";
    /** The name the diagram gives the root package (the start-up code: Main, ServeOptions). */
    private static final String ROOT_NAME = "io.djinn";

    private static JavaClasses classes;
    private static List<Set<String>> layers;

    @BeforeAll
    static void importClasses() throws IOException {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS).importPackages(ROOT);
        layers = readmeLayers(Path.of("../README.md"));
    }

    @Test
    void theClassesAreRead() {
        // A class-file format the importer cannot read would make every rule pass vacuously.
        assertTrue(classes.size() > 150, "only " + classes.size() + " classes imported");
        assertTrue(classes.contain("io.djinn.serving.Generations"), "serving.Generations not imported");
        assertTrue(layers.size() >= 5, "README's diagram has only " + layers.size() + " layers: " + layers);
    }

    @Test
    void everyPackageIsInReadmesDiagram() {
        Set<String> inDiagram = new TreeSet<>();
        layers.forEach(inDiagram::addAll);
        Set<String> missing = new TreeSet<>();
        for (JavaClass c : classes) {
            if (!inDiagram.contains(packageOf(c))) {
                missing.add(packageOf(c));
            }
        }
        assertTrue(missing.isEmpty(), "packages missing from README's architecture diagram: " + missing);
    }

    @Test
    void dependenciesPointOnlyDownReadmesDiagram() {
        Map<String, Integer> rank = new HashMap<>();
        for (int i = 0; i < layers.size(); i++) {
            for (String p : layers.get(i)) {
                rank.put(p, i);
            }
        }
        Set<String> violations = new TreeSet<>();
        for (JavaClass c : classes) {
            String from = packageOf(c);
            for (Dependency d : c.getDirectDependenciesFromSelf()) {
                JavaClass target = d.getTargetClass();
                if (!target.getPackageName().equals(ROOT) && !target.getPackageName().startsWith(ROOT + ".")) {
                    continue;
                }
                String to = packageOf(target);
                if (from.equals(to) || !rank.containsKey(from) || !rank.containsKey(to)) {
                    continue; // unknown packages fail everyPackageIsInReadmesDiagram
                }
                if (rank.get(to) <= rank.get(from)) {
                    violations.add(from + " -> " + to + " (" + c.getName() + " uses " + target.getName() + ")");
                }
            }
        }
        assertEquals(List.of(), new ArrayList<>(violations),
                "dependencies that point up or sideways in README's diagram " + layers);
    }

    @Test
    void packagesAreFreeOfCycles() {
        SlicesRuleDefinition.slices().matching("io.djinn.(*)..").should().beFreeOfCycles().check(classes);
    }

    /** The package's name in the diagram: its first segment under io.djinn, or io.djinn itself. */
    static String packageOf(JavaClass c) {
        String p = c.getPackageName();
        if (p.equals(ROOT)) {
            return ROOT_NAME;
        }
        String rest = p.substring(ROOT.length() + 1);
        int dot = rest.indexOf('.');
        return dot < 0 ? rest : rest.substring(0, dot);
    }

    /**
     * The layers of the diagram, top first: the fenced block after "Packages and their direction" in README's
     * Architecture section, one layer per line of package names separated by " · " (text in parentheses is a
     * comment), layers separated by arrow lines.
     */
    static List<Set<String>> readmeLayers(Path readme) throws IOException {
        List<String> lines = Files.readAllLines(readme);
        int at = 0;
        while (at < lines.size() && !lines.get(at).startsWith("## Architecture")) {
            at++;
        }
        while (at < lines.size() && !lines.get(at).startsWith("```")) {
            at++;
        }
        List<Set<String>> out = new ArrayList<>();
        for (int i = at + 1; i < lines.size() && !lines.get(i).startsWith("```"); i++) {
            String line = lines.get(i).replaceAll("\\([^)]*\\)", "").strip();
            if (line.isEmpty() || line.chars().allMatch(ch -> "│↓|v ".indexOf(ch) >= 0)) {
                continue;
            }
            Set<String> layer = new TreeSet<>();
            for (String name : line.split("·")) {
                if (!name.isBlank()) {
                    layer.add(name.strip());
                }
            }
            out.add(layer);
        }
        return out;
    }
}
