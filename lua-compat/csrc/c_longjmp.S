# The exception tag that longjmp throws (see sjlj.c). Defined here, in the module: left
# undefined, the linker would turn it into an `env.__c_longjmp` import, which AO hosts do
# not provide.
	.globl	__c_longjmp
	.tagtype	__c_longjmp i32
__c_longjmp:
