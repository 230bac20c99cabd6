/* PVH entry: QEMU's -kernel jumps to _start32 (the XEN_ELFNOTE_PHYS32_ENTRY note)
   in 32-bit protected mode, paging off, %ebx -> hvm_start_info.  We map the
   first GiB (RAM) and the virtio-mmio slots at 0xfeb00000 (uncached) with
   2 MiB pages, enable SSE, enter long mode, then drop to ring 3 with
   IOPL 3: this machine's KVM (PVM) runs only ring-3 guest code natively, and
   the data path is SSE code from numba.  KVM's clock is registered on the
   way (clock.c), and the idle halt's TSS, IDT and APIC timer (idle.S).
   Everything after boot runs in ring 3 with port I/O allowed and
   interrupts off; only an idle halt turns them on, in ring 0. */
#define PTF 7      /* present | writable | user */
#define PDF 0x87   /* present | writable | user | 2 MiB page */
#define MMIO_PAGE 0xFEA00000  /* the 2 MiB page of microvm's virtio-mmio slots (0xfeb00000) */
#define LAPIC_PAGE 0xFEE00000 /* the local APIC's (idle.S) */

        .section .note.Xen, "a", @note
        .align 4
        .long 4, 4, 18            /* namesz, descsz, XEN_ELFNOTE_PHYS32_ENTRY */
        .asciz "Xen"
        .align 4
        .long _start32

        .section .text.boot, "ax"
        .code32
        .globl _start32
_start32:
        cli
        movl $boot_stack_top, %esp
        movl %ebx, pvh_start_info
        /* The tables are data (pd_low) and four stores, not a loop: ring 0
           is emulated instruction by instruction under this machine's KVM,
           and building 1024 entries took 5 ms of the boot. */
        movl $(pdpt + PTF), pml4
        movl $(pd_low + PTF), pdpt
        movl $(pd_mmio + PTF), pdpt+24
        movl $(MMIO_PAGE | PDF | 0x18), pd_mmio + ((MMIO_PAGE - 0xC0000000) >> 21) * 8
        movl $(LAPIC_PAGE | PDF | 0x18), pd_mmio + ((LAPIC_PAGE - 0xC0000000) >> 21) * 8
        movl %cr4, %eax               /* PAE | OSFXSR | OSXMMEXCPT */
        orl  $((1<<5)|(1<<9)|(1<<10)), %eax
        movl %eax, %cr4
        movl $pml4, %eax
        movl %eax, %cr3
        movl $0xC0000080, %ecx        /* EFER.LME */
        rdmsr
        orl  $(1<<8), %eax
        wrmsr
        movl %cr0, %eax               /* PG | PE | MP, no EM */
        andl $~(1<<2), %eax
        orl  $((1<<31)|(1<<1)|1), %eax
        movl %eax, %cr0
        lgdt gdt_ptr
        ljmp $0x08, $long_mode

        .code64
long_mode:
        movw $0x10, %ax
        movw %ax, %ds
        movw %ax, %es
        movw %ax, %ss
        movw %ax, %fs
        movw %ax, %gs
        movq $boot_stack_top, %rsp
        /* kvmclock (clock.c reads the TSC rate from it): only ring 0 may
           register it, with MSR_KVM_SYSTEM_TIME_NEW, if KVM offers it */
        movl $0x40000000, %eax
        xorl %ecx, %ecx
        cpuid
        cmpl $0x4b4d564b, %ebx        /* "KVMK" of "KVMKVMKVM" */
        jne 4f
        cmpl $0x40000001, %eax
        jb 3f
        movl $0x40000001, %eax
        cpuid
        testl $(1<<3), %eax           /* KVM_FEATURE_CLOCKSOURCE2 */
        jz 3f
        movl $0x4b564d01, %ecx
        movl $(kvmclock + 1), %eax    /* address | enable */
        xorl %edx, %edx
        wrmsr
        movq $1, kvmclock_on
3:      jmp 5f
        /* The idle halt (idle.S) only without KVM: under this machine's KVM
           (PVM) loading a TSS in the emulated ring 0 ends the guest, and a
           trap from ring 3 needs one. */
4:      call idle_setup
5:
        pushq $0x1b                   /* SS: user data, RPL 3 */
        pushq $user_stack_top         /* RSP */
        pushq $0x3002                 /* RFLAGS: IOPL 3, interrupts off */
        pushq $0x23                   /* CS: user code, RPL 3 */
        pushq $user_entry             /* RIP */
        iretq
user_entry:
        movw $0x1b, %ax
        movw %ax, %ds
        movw %ax, %es
        xorl %ebp, %ebp
        call kmain
2:      pause
        jmp 2b

        .section .data
        .align 4096
pd_low:                               /* pd_low[i] = i * 2 MiB: the first GiB */
        .set i, 0
        .rept 512
        .quad (i << 21) | PDF
        .set i, i + 1
        .endr

        .section .bss
        .align 4096
pml4:    .skip 4096
pdpt:    .skip 4096
pd_mmio: .skip 4096
        .align 16
        .skip 4096
boot_stack_top:
        .skip 131072
user_stack_top:
        .globl pvh_start_info
pvh_start_info: .skip 8
        .globl kvmclock_on
kvmclock_on: .skip 8
        .align 64
        .globl kvmclock
kvmclock: .skip 32
