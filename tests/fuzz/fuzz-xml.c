/*
 * fuzz-xml.c - libFuzzer harness of the Mulan label XML reader: the input is
 * the XML file given as xml_path for a fixed small ARFF whose attributes are
 * f1, lab1, f2, lab2, f3, "l&b" and "é" (so entity and character references
 * can name a real attribute).
 */
#include "fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char arff_text[] =
	"@relation 'fixed'\n"
	"@attribute f1 numeric\n"
	"@attribute lab1 {0,1}\n"
	"@attribute f2 numeric\n"
	"@attribute lab2 {0,1}\n"
	"@attribute f3 numeric\n"
	"@attribute 'l&b' {0,1}\n"
	"@attribute '\xc3\xa9' numeric\n"
	"@data\n"
	"1,0,2,1,3,0,0\n"
	"4,1,5,0,6,1,1\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_file arff, xml;
	struct tm_read_options options = { .format = "arff" };

	if (arff.path[0] == '\0')
		fuzz_file_set(&arff, "fixed.arff", (const uint8_t *)arff_text,
			      sizeof(arff_text) - 1);
	fuzz_file_set(&xml, "fuzz.xml", data, size);
	options.xml_path = xml.path;
	fuzz_read(arff.path, &options);
	return 0;
}
